#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cstdint>
#include <algorithm>
namespace at { using Half = __half; using BFloat16 = __nv_bfloat16; }
#include <stdio.h>




                      
                         
#include <cuda_runtime.h>

                                                       
           
           
           
           
            
            
            
            

                       
           
           
           
            
            
            
            

                       
           
            
            
            
            

                        
                        
                 
                    
                         
                
                
                           
                         


                                        
                           
            
            
            
            
             
             
             
             

                       
           
           
           
            
            
            
            

                       
            
            
            
            

                            
             
             
             
             

                           
            
             
             
             
             

                        
                        
                 
                    
                         
                
                
                           
                         


#define CUDA_NUM_THREADS 1024
#define THREADS_PER_BLOCK 32
#define FULL_MASK 0xffffffff

                      
                                 
                          
                                       

using at::Half;

template<typename scalar_t>
__forceinline__ __device__ scalar_t warpReduceSum(scalar_t val) {
        for (int offset = 16; offset > 0; offset /= 2)
                val += __shfl_down_sync(FULL_MASK, val, offset);
        return val;
}

template<typename scalar_t>
__forceinline__ __device__ scalar_t blockReduceSum(scalar_t val) {

        static __shared__ scalar_t shared[32];
        int lane = threadIdx.x % warpSize;
        int wid = threadIdx.x / warpSize;

        val = warpReduceSum(val);

        if (lane == 0)
                shared[wid] = val;

        __syncthreads();

        val = (threadIdx.x < blockDim.x / warpSize) ? shared[lane] : 0;

        if (wid == 0)
                val = warpReduceSum(val);

        return val;
}


                            
                                                                                                                                       
 

                                                                 
                       
                       
                       

                             
                   

                                           
                               

                                        
                                         
                                              
                                    

                                                                
                                                            
                                                                                              
     
 


template<typename scalar_t>
__global__ void correlation_forward(scalar_t* __restrict__ output, const int nOutputChannels,
                const int outputHeight, const int outputWidth, const scalar_t* __restrict__ rInput1,
                const int nInputChannels, const int inputHeight, const int inputWidth,
                const scalar_t* __restrict__ rInput2, const int pad_size, const int kernel_size,
                const int max_displacement, const int stride1, const int stride2) {

        int32_t pInputWidth = inputWidth + 2 * pad_size;
        int32_t pInputHeight = inputHeight + 2 * pad_size;

        int32_t kernel_rad = (kernel_size - 1) / 2;

        int32_t displacement_rad = max_displacement / stride2;

        int32_t displacement_size = 2 * displacement_rad + 1;

        int32_t n = blockIdx.x;
        int32_t y1 = blockIdx.y * stride1 + max_displacement;
        int32_t x1 = blockIdx.z * stride1 + max_displacement;
        int32_t c = threadIdx.x;

        int32_t pdimyxc = pInputHeight * pInputWidth * nInputChannels;

        int32_t pdimxc = pInputWidth * nInputChannels;

        int32_t pdimc = nInputChannels;

        int32_t tdimcyx = nOutputChannels * outputHeight * outputWidth;
        int32_t tdimyx = outputHeight * outputWidth;
        int32_t tdimx = outputWidth;

        int32_t nelems = kernel_size * kernel_size * pdimc;

        // element-wise product along channel axis
        for (int tj = -displacement_rad; tj <= displacement_rad; ++tj) {
                for (int ti = -displacement_rad; ti <= displacement_rad; ++ti) {
                        int x2 = x1 + ti * stride2;
                        int y2 = y1 + tj * stride2;

                        float acc0 = 0.0f;

                        for (int j = -kernel_rad; j <= kernel_rad; ++j) {
                                for (int i = -kernel_rad; i <= kernel_rad; ++i) {
                                        // THREADS_PER_BLOCK
                                        #pragma unroll
                                        for (int ch = c; ch < pdimc; ch += blockDim.x) {

                                                int indx1 = n * pdimyxc + (y1 + j) * pdimxc
                                                                + (x1 + i) * pdimc + ch;
                                                int indx2 = n * pdimyxc + (y2 + j) * pdimxc
                                                                + (x2 + i) * pdimc + ch;
                                                acc0 += static_cast<float>(rInput1[indx1] * rInput2[indx2]);
                                        }
                                }
                        }

                        if (blockDim.x == warpSize) {
                            __syncwarp();
                            acc0 = warpReduceSum(acc0);
                        } else {
                            __syncthreads();
                            acc0 = blockReduceSum(acc0);
                        }

                        if (threadIdx.x == 0) {

                                int tc = (tj + displacement_rad) * displacement_size
                                                + (ti + displacement_rad);
                                const int tindx = n * tdimcyx + tc * tdimyx + blockIdx.y * tdimx
                                                + blockIdx.z;
                                output[tindx] = static_cast<scalar_t>(acc0 / nelems);
                        }
            }
        }
}


                            
                                                                                                                                 
                                                                                                                                             
                                                                                  
                                                         
                                                            
                                                                 
                                                        
                                                        
   
                                                                 

                  
                                            
                                            
                       
                              

                                           
                                                      
                                                     

                                                             
                                                             

                                                             
                                                             

                                                                              
                                                              
             
     

                                     
                                                              
               
     

                       
                                   

                       
                                    

                                                
                                                  

                                                              
                                              
                               

                                                               
                                            
                            

                                                           
                                          
                           

                                                                 

                                                    
                          

                                                                           

                                                                     
                                                                     

                                                                        
      
                                     

                                          
                                            
                                                                
                                                        
         
       
     
                    

                      
                              
                                                        
                                      
       
                                                                                           
                                              
     

 

                            
                                                                                                                                 
                                                                                                                                            
                                                                                 
                                                         
                                                            
                                                                 
                                                        
                                                        
 
                                                                 

                 
                                            
                                            
                       

                              

                                           
                                                      
                                                     

                                                
                                                  

                                                              
                                              
                               

                                                               
                                            
                            

                                                           
                                          
                           

                                                                 

                                                    
                          

                                                                           
                                                                     
                                                                     

                                                                    
                                                                    

                                                                    
                                                                    

                                                                                
                                                                
                 
       

                                       
                                                                
                   
       

                         
                                     

                         
                                      
      
                                                                        
                                     

                                          
                                            
                                                                
                                                        
         
       
     

                    

                      
                              
                                                        
                                      
       
                                                                                           
                                              
     

 

                                                       
                                           
                                           
                                           
                                           
                                            
                                            
                                            
                                            

                                                       
                                           
                                           
                                           
                                            
                                            
                                            
                                            

                                                       
                                           
                                            
                                            
                                            
                                            

                                                        
                                                        
                                                 
                                                    
                                                         
                                                
                                                
                                                           
                                                         
 

                      

                           
                       
                        

                            
                        
                         

                                                        
                                         

                                                                                   

                                                                     
                                                                                                            

      

                                                                                   

                                                                      
                                                                                                            

      

                                           
                                                              

                                                                                  

                                                                                  
                                                                                             
                                                                                           
                                                  
                                  
                                     
                                          
                                 
                                  

      

                                       


                     
                           
                                                                                      
             
   

           
 


                                     
                                                           
                                            
                                            
                                            
                                            
                                             
                                             
                                             
                                             

                                                       
                                           
                                           
                                           
                                            
                                            
                                            
                                            

                                                       
                                            
                                            
                                            
                                            

                                                           
                                             
                                             
                                             
                                             

                                                           
                                            
                                             
                                             
                                             
                                             

                                                        
                                                        
                                                 
                                                    
                                                         
                                                
                                                
                                                           
                                                        
 

                        
                        

                            
                        
                         

                              
                          
                           

                                                         
                                          


                                                                                  

                                                                            
                                    
                                     
                           
                        
                       
                    
          
        

                                                                                  

                                                                            
                                    
                                     
                           
                        
                       
                    
          
        

                                            
                                                                  

                                   

                                                                                    


                                                                                                  
                                                                                      
                                                                                      
                                       
                       
                          
                               
                      
                       
          
     

                                        

                                                                                     

                                                                                               
                                                                                    
                                                                                    
                                     
                     
                        
                             
                    
                     

            
     

                     
                                       
                           
                                                                                       
             
   

           
 


