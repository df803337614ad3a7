#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for residual forward pass fused with layernorm

Compile example:
nvcc -O3 --use_fast_math -lcublas -lcublasLt fused_residual_forward.cu -o fused_residual_forward

version 1 is naive port from CPU code to kernel
./fused_residual_forward 1
version 2 packs input into 128 bit memory reads
./fused_residual_forward 2
*/

#include <stdio.h>
#include <stdlib.h>
#include "assert.h"
#include <cuda_runtime.h>

#define ENABLE_BF16

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





#define CUBLAS_LOWP CUDA_R_16BF // CUDA_R_16F or CUDA_R_16BF (or CUDA_R_32F)
// CUBLAS_COMPUTE_32F or CUBLAS_COMPUTE_16F (for CUDA_R_16F only, potentially slower?!)
#define CUBLAS_LOWP_COMPUTE CUBLAS_COMPUTE_32F












                                      


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    



                          

                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 

// ----------------------------------------------------------------------------
// CPU code reference lol

                                                                                    
                                 
                                   
     
 

                                                                
                                                                                    
                                                 
                      
                                 
                                     
                                                    
                                                     
                                 
                           
                                         
                          
             
                    
                                                                   
                           
                                         
                                        
                                     
             
                    
                                 
                                            
                                                        
                                                    
                                         
                                                                
                                                                        
                                       
             
                                                                  
                                
                                
         
     
 

// ----------------------------------------------------------------------------
// GPU kernels

// elementwise ops are nice and ez
                                                                                                                           
                                                    
                  
                                                                        
     
 

// naive drag and drop implementation into kernel, parallelize over B,T, loop over C
                                                                                                       
                                                                                                                           
                                                         
                                                    
                      

                  
                                                
                                               
                             
                       
                                     
                             
         
                  
                                                               
                       
                                     
                                           
                                 
         
                  
                             
                                        
                                                    
                                               
                                     
                                                                   
                                                                                  
                                    
         
                                                              
                      
                      
     
 

// naive fusion; uncoalesced access pattern leads to terrible performance
__global__ void fused_residual_forward2(__nv_bfloat16* residual, __nv_bfloat16* normed, __nv_bfloat16* mean, __nv_bfloat16* rstd,
                                        const __nv_bfloat16* inp1, const __nv_bfloat16* inp2,
                                        const __nv_bfloat16* weight, const __nv_bfloat16* bias,
                                        int N, int C) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if(idx > N) return;

    // adjust pointers to current token
    residual += C * idx;
    normed += C * idx;
    inp1 += C * idx;
    inp2 += C * idx;

    float eps = 1e-5f;

    float m = 0.0f;
    for(int c = 0; c < C; ++c) {
        float out = (float)inp1[c] + (float)inp2[c];
        m += out;
        residual[c] = (__nv_bfloat16)out;
    }

    m = m / C;
    float v = 0.0f;
    for (int c = 0; c < C; c++) {
        float xshift = (float)residual[c] - m;
        v += xshift * xshift;
    }
    v = v / C;

    // calculate the rstd
    float s = 1.0f / sqrtf(v + eps);
    for (int c = 0; c < C; c++) {
        float n = (s * ((float)residual[c] - m)); // normalized output
        float o = n * (float)weight[c] + (float)bias[c]; // scale and shift it
        normed[c] = (__nv_bfloat16)o; // write
    }
    // cache the mean and rstd for the backward pass later
    mean[idx] = (__nv_bfloat16)m;
    rstd[idx] = (__nv_bfloat16)s;
}

// handle one token per warp for coalesced access
                                                                                                                                 
                                                                                             
                                                                                               
                                                       
                                      
                                   
                                                    
                       

                                       
                        
                      
                    
                    

                      
                   
                                                    
                                                    
                 
                          
     

                         

              
                   
                                                    
                                              
                             
     

                         
              

                         
                                    
                                                    
                                                                      
                                                                              
                               
     
                                                          
                          
                      
                      
     
 

// vectorized loading, single pass stats, streaming access and zigzag loop
                                                                                                                                        
                                                                                                    
                                                                                                      
                                                              
                                          
                                      
                                   
                                                    
                       

                                       
                        
                      
                    
                    

                            
                     
                        
                                     
                                              
                                             
                                             
                 
                                             
                                                                    
                                 
                                                    
         
                                    
     

                             
                                   

                      
                                 
                              

                               
                                               
                                                 
                                           
                                         
                 
                                             
                                                                   
                                                                          
                       
         

                                    
     
                                                          
                          
                      
                      
     
 

// what do you want in shared memory? EVERYTHING!
// thus, we no longer require zigzag loops and can do the numerically more stable variance estimation
// needs special attention in the kernel launcher to ensure we have enough smem.
                                                                                                                                        
                                                                                                    
                                                                                                      
                                                              
                                      
                                   

                                                 
                                                   
                                    
                                                                                                      
                                    
                                                     
                                                                      
                                                                                         

                                                                   
                                                                       
                                                     
                                                 
     
                    

                                                    
                       

                                       
                        
                      
                    
                    

                            
                     
                                                                              
                                             
                                             
                 
                                             
                                                                    
                                 
         
                                      
                                    
     

                             
                      
                  

                                                                              
                                               
                                             
                                                           
         
     

                             
                              

                                                                              
                                               
                                                
                                              
                 
                                             
                                                                   
                                                                          
                       
         

                                    
     
                                                          
                          
                      
                      
     
 


// using multiple warps per token, and keep threads persistent, so we never have to reload weights and biases
// if we had one warp per token, though, this would require us to use a huge amount of shared memory. Therefore,
// we use multiple warps per token; but generally we cannot use the entire block, because that would give too
// little work per warp to be effective (each warp processes 256 bfloat16 elements, so for C=768 more than 3 warps
// will just mean idle). Therefore, we add a z dimension, where warps with different z handle different tokens.
// all this makes the launcher logic more complicated :(
                                                                                                                                        
                                                                                                    
                                                                                                      
                                                              
                                      
                                   

                                                 
                                                   
                                    
                                                                                                      
                                    
                                                      
                                                     
                                                                               
                                                                                                      
                                                                                                  
                                                                
                                                                                                                                       
                                                                                                                                                     

                                                                   
                                                  

                                         
                                                       
                                                   
     

                                                                                     
                                    

                           
                                                                                                     
                                           
                                                         
                                                     
                                                       
                                                       

                                
                         
                                              
                                                    
                                                    
                     
                                                  
                                                         
                                      
             
                                             
                                        
         
                                 
                              
                                      
         
                        
                                                                                          
                                                                                          
                                                                                                         
                                                
                      

                                              
                                                   
                                                  
                                                                 
             
         

                             
                              
                                   
         
                        
                                                                                   
                                  

                                              
                                                   
                                                    
                                                  
                     
                                                  
                                                                        
                                                                                
                           
             

                                         
         
                                                              
                                                   
                           
                           
         
     
 



// ----------------------------------------------------------------------------
// kernel launcher

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                                            
                                                                                         
                                  
                                                     
                                                                                                              
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                                         
                                                                                                                     
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                  
                                               
                                                                                                                            
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                  
                                               
                                                                                                                                   
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                  
                                               
                                                            

                                                                                  
                                                                                 
                                  
                                                                                                                          
                       
                               
                                                                                                                        
                                                                                                   
            
                                                                                                                  
                                                                                             
     
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                                                          
                                      
                                                        
                                                
                                                                                           

                                                                                  
                                                                                 
                                  
                                                                                                                          
                       
                               
                                                                                       
                                                                                                                                  
                                                                                                   
            
                                                       
                                                                                                                      
                                                                                             
     
                                  
 

// kernel version dispatch
                                                                                                                                     
                                                                                 
                                                                                   
                                                                 
                         
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                       
                 

              
                 
                

                                        
                       
                   
                                   
     
                                            

                                           
                                                                
                                                              
                                               
                                               
                                                        
                                                        
                                         
                                       
    
                  
                              
                            
                          
                          
                          
                          
                            
                          
                                                                          
                                                                        
                                                                      
                                                                      
                                                          
                                                          
                                                        
                                                      
                                                       
                                                       
                                                   
                                               

                                                
                                                          
                                                                               

                                               
                                                      

                                                                 
                                        
                                                        
                                                                                
                                                                                                                  
                                                   
                                                                       
                                                                          
                                                          
                                                          
                                                                    
     

                                                          

                                                                 
                                        

                                
                                                                                               
                                                                                                                     
                                                                
                                                

                                                              
                                                                                                      
                                                             
                                                                      
                                                                 
                                                         

                                                                                                
                                                                          
     

                  
                   
                 
               
               
                 
               
               
               
                                    
                                  
                                
                                
                                  
                                
                                
                                

             
 
