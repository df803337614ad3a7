#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for the AdamW optimizer.

References:
  * https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html
  * https://github.com/nvidia/apex/blob/master/csrc/multi_tensor_adam.cu

Compile example:
nvcc -lcublas -lcublasLt adamw.cu -o adamw
nvcc -O3 --use_fast_math -lcublas -lcublasLt adamw.cu -o adamw

./adamw

TODO(general):
amsgrad=True

TODO(perf):
dtype
thread coarsening/ILP
*/

#include <stdio.h>
#include <stdlib.h>
                 
#include <cuda_runtime.h>

#include <stdlib.h>
#include <stdio.h>
#include <cuda_runtime.h>
                      
                     
#include <float.h>

#define WARP_SIZE 32U
                                 

                 
                                                       
                                            
 

                                           
                                                    
                                                        
     
               
 

// requires all 32 threads in the warp to be active, but should work for any block size
// uses non-dynamic shared memory so every call increases shared memory requirements by 128 bytes
// the fact it's unique shared memory allows us to avoid an extra __syncthreads() call at the end
// but if called inside a loop, the shared memory will be implicitly reused, so set final_sync to 1
                                           

                                         
                                                                                      
                                            
                                                                                        
                                           
                                                
                                                
                                                 

                                         
                                                         
                    
                                                                           
                                               

                     
                                                                                            
     
                     
 

// Helper function to call blockReduce with default arguments
                                         
                                                
                                                         
 

// ----------------------------------------------------------------------------
// checking utils

// CUDA error checking
                                                                
                               
                                                               
                                          
                           
     
 ;
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))

// cuBLAS error checking
                                                                   
 
                                          
                                                                 
                           
     
 
#define cublasCheck(status) { cublasCheck((status), __FILE__, __LINE__); }

// ----------------------------------------------------------------------------
// cuBLAS setup
// these will be initialized by setup_main

// cuBLAS workspace. Hardcoding to 32MiB but only Hopper needs 32, for others 4 is OK
                                                         
                                       
                                               
                             
                                 
                        
                        
                      // for persistent threads where we want 1 threadblock per SM
                                // needed to calculate how many blocks to launch to fill up the GPU

// ----------------------------------------------------------------------------
// to make sure that 2 blocks fit on A100/H100 to maximise latency tolerance

#define MAX_1024_THREADS_BLOCKS 2




// ----------------------------------------------------------------------------
// Packed128 data structure, which forces the compiler to use 128-bit loads/stores
// in GPUs that support (the LDG.128 and STS.128 instructions)
// This is a bit similar to the use of float4 in the case of 32-bit floats, but
// supports arbitrary precision.

                           
                              
                                                                                 
                                                  
                          
                                              
                                                                         
                                              
     

                                                              
                         
                                       
                                      
         
                      
     

                                         
                           
     

                                        
                           
     

                                                   
                              
     
                                                               
                              
     
                                      
                  
                                                                         
                                              
                    
     
                                                                               
                                                                                        
                                                                         
                              
  

// short-form typedef
                              

// load a Packed128 from an aligned memory address
                           
                                                                       
                                                                           
 
// load a Packed128 from an aligned memory address with streaming cache hint
                           
                                                                         
                                                                                  
 
// store a Packed128 to an aligned memory address
                           
                                                                             
                                                        
 
// store a Packed128 to an aligned memory address with streaming cache hint
                           
                                                                               
                                                              
 
// store a Packed128 to an aligned memory address while caching in L2 but bypassing L1
                           
                                                                               
                                                              
 

// ----------------------------------------------------------------------------
// reduced/mixed precision utilities




















                              


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    

                                



                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 


// ----------------------------------------------------------------------------
// CPU code reference

                                                                                                                                                                                                                                     
                                 

                                              
                                       
                                     

                                             
                                                              
                                             
                                                                     
                                    
                                                  
                                                  

                 
                        
                        
                                                                                                  
     
 

// ----------------------------------------------------------------------------
// GPU kernels

// utility functions

// Implements linear interpolation using only two floating-point operations (as opposed to three in a naive implementation).
// Reference: https://developer.nvidia.com/blog/lerp-faster-cuda
                                                                    
                                                        
 

// naive fused kernel
__global__ void adamw_kernel1(float* params_memory, const float* grads_memory, float* m_memory, float* v_memory, long num_parameters,
                              float learning_rate, float beta1, float beta2, float beta1_correction, float beta2_correction, float eps, float weight_decay) {
   int i = blockIdx.x * blockDim.x + threadIdx.x;
   if (i >= num_parameters) return;  // guard
   // update the first moment (momentum)
   m_memory[i] = beta1 * m_memory[i] + (1.0f - beta1) * grads_memory[i];
   // update the second moment (RMSprop)
   v_memory[i] = beta2 * v_memory[i] + (1.0f - beta2) * grads_memory[i] * grads_memory[i];
   float m_hat = m_memory[i] / beta1_correction;
   float v_hat = v_memory[i] / beta2_correction;
   params_memory[i] -= learning_rate * (m_hat / (sqrtf(v_hat) + eps) + weight_decay * params_memory[i]);
}

// Slightly more optimized AdamW kernel by:
// * loading data that is accessed more than once into registers,
// * using optimized linear interpolation for the moment updates.
                                                                                                                                     
                                                                                                                                                             
                                                 
                                             
                                
                         
                         
                                        
                            
                   
                                        
                                   
                   
                                   
                                   
                                                                                                
 


// ----------------------------------------------------------------------------
// kernel launcher

// version 1: naive dispatch to naive kernel
                                                                                                                            
                                                                                                                                                    
                                  
                                                                          
                                                                                                              
                                                                                                                                  
                                  
 

// version 2: naive dispatch to slightly optimized kernel
                                                                                                                            
                                                                                                                                                    
                                  
                                                                          
                                                                                                              
                                                                                                                                  
                                  
 

                          
                                                                                                                         
                                                                                                                  
                                                                                                      
                                                   
                                                   
                         
               
                                                                                            
                                                                                                                
                  
               
                                                                                            
                                                                                                                
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                 
                 

                                        
                     

                                      
                             
                               
                            
                                    

                                                                                   
                                                             
                                                            
                                                        
                                                           

                  
                           
                          
                      
                      
                                                                            
                                                                           
                                                                       
                                                                       
                                                                                                                  
                                                                                                                
                                                                                                        
                                                                                                        


                                        
                       
                   
                                   
     
                                            

                                                              
                            
                                                                                  
                          
                                               
                                                                     

                                                            
                                                                                                  

              
                                        
                            
                                                                                     
                              
                                                                      
                               
                                                                      
                                     

                               
                            
                                                                          
                                                                                 
                                                      
                                               
                                                   

              
                        
                       
                   
                   
                                         
                                        
                                    
                                    

             
 
